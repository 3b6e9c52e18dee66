"""Alerts: the file (store), the evaluation on the stream (engine), the deliveries (deliver)."""
