"""Steps: the record of everything the control plane does, numbered 1–9 for the pod flow."""
