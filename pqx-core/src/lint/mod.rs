//! Connector lint: the Power Query certification rules, over an M tokenizer.
