"""Vietnamese text as offices really produce it: legacy TCVN3 and VNI fonts converted to Unicode,
and undeclared 8-bit text (mail headers, zip names) told apart by Vietnamese spelling. Imports
only parsers.text."""
