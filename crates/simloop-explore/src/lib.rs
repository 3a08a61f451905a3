//! simloop-explore (under construction).
