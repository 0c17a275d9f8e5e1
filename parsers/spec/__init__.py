"""What the campaign asks and who must answer: the campaign file and the agency registry, with
their data files. Imports only parsers.text."""
