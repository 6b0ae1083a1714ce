"""Use cases. Services take their ports in the constructor and know nothing of AWS."""
