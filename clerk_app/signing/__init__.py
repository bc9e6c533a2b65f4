"""The agency's signatures: PKCS#11 tokens, signing PDFs incrementally, verifying; no Qt, no storage."""
