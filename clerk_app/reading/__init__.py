"""Reading scanned pages: OCR with Tesseract and the fields of an NĐ 30 first page; no Qt, no drivers."""
