"""Legacy XML-RPC scripts run unchanged by the shim tests."""
