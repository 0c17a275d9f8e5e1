"""Files inside containers (.zip, .7z, .rar, winmail.dat), taken out in memory under one budget
per attachment. Hostile bytes: runs where the form readers run, in the isolated reader process.
Imports parsers.read, parsers.vietnamese, parsers.codes."""
