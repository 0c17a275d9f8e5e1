"""The README demo and the kit it shares with the tests: a throwaway mailbox, filled forms, sample
mail. Not part of the installed product."""
