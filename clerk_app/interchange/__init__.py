"""Electronic exchange between agencies (liên thông): edXML messages, their code tables, the
mapping to the desk's registration fields and the exchange adapters. No Qt, no sync, no SQL."""
