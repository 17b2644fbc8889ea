"""Strategic-document texts: extraction (txt, HTML, PDF), paragraphs, stems, search and duplicates."""
