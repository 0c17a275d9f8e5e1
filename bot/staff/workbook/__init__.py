"""The consolidated workbook staff keep (`bcy-intake export`, the digest's attachment, the
console's download): `export` builds it, one module a kind of sheet (`lists`: who has not sent
and every submission; `charts`), the shared look in `style`, what every sheet reads in
`sheets`. Outside text goes in through `replies.cells.write_cell`, never as a formula. Part of
the staff stage: imports what `bot.staff` may."""
