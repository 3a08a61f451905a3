//! simloop: deterministic simulation testing for structured concurrency.
