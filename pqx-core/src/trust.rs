//! Trust policy and certificate chain building.
