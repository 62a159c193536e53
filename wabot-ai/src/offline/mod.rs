//! The offline, rule-based lead-capture dialogue.
