"""Email over SMTP: the transport and the MIME message it sends."""
