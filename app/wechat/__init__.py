"""The WeChat protocol: signatures, crypto, parsing, de-duplication and the outbound client."""
