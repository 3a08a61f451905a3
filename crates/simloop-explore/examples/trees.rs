//! Print generated trees as scenario JSON, one per line: the mix the
//! differential test runs (`tests/differential.rs`), for tools that feed
//! them to the reference runner and to `simloop run -`
//! (`tools/mutation.py`).
//!
//! ```sh
//! cargo run -p simloop-explore --example trees -- py313 1000 [START]
//! ```

use simloop_core::Profile;
use simloop_explore::gen::mixed;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: trees PROFILE COUNT [START]";
    let profile: Profile = args.first().expect(usage).parse().expect(usage);
    let count: u64 = args.get(1).expect(usage).parse().expect(usage);
    let start: u64 = args.get(2).map_or(0, |s| s.parse().expect(usage));
    for seed in start..start + count {
        println!("{}", mixed(seed, profile).to_json_string());
    }
}
