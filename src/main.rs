//! The `simloop` command line.
fn main() {}
