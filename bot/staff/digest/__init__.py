"""The staff digest: the period it covers and the staff's clock (`period`), what it says
(`report`: built from the store, rendered as text and HTML), its progress chart (`chart`, whose
colours the workbook's charts share) and the mail that carries it with the workbook (`mail`)."""
