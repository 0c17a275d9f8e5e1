"""Pure parsing and validation: bytes of a form file in, a FormReport out. No I/O beyond reading."""
