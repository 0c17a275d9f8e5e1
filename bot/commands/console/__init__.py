"""The commands of the staff web console: `staff` (its accounts) and `web` (serving it). Part
of the command line's floor: may import everything below it; nothing imports it."""
