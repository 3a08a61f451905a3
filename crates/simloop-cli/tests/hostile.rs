//! The defects an adversarial pass over the command line found (issue 16),
//! each reproduced as it was reported: hostile input, full disks, closed
//! pipes. `tests/fuzz.rs` keeps the classes closed.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;

/// `simloop ARGS...` in `dir`, with `stdin` as its input and its stdout
/// and stderr where given (captured otherwise).
fn simloop_io(
    dir: &Path,
    args: &[&str],
    stdin: &[u8],
    stdout: Option<File>,
    stderr: Option<File>,
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(stdout.map_or_else(Stdio::piped, Stdio::from))
        .stderr(stderr.map_or_else(Stdio::piped, Stdio::from))
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("it ends");
    writer.join().expect("the writer");
    out
}

fn dev_full() -> File {
    File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write a scenario");
    p.display().to_string()
}

fn no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(o.status.code(), Some(101), "{err}");
}

const GHOST: &str = "scenarios/gather-ghost.json";

fn ghost() -> String {
    repo().join(GHOST).display().to_string()
}

// 2. Closed pipes and full disks.

#[test]
fn a_full_stdout_is_an_error_with_exit_2_for_every_command() {
    let dir = workdir("hostile-full-stdout");
    let g = ghost();
    for args in [
        vec!["run", g.as_str()],
        vec!["run", "--json", g.as_str()],
        vec!["replay", "--seed", "7"],
        vec!["pstree", "--at", "0", g.as_str()],
        vec!["render", "--out", "x.svg", g.as_str()],
        vec!["explore", "--seeds", "20"],
        vec!["check", "--seeds", "2", "--profile", "py313", g.as_str()],
    ] {
        let o = simloop_io(&dir, &args, b"", Some(dev_full()), None);
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&o).lines().last(),
            Some("error: cannot write to stdout: No space left on device (os error 28)"),
            "{args:?}"
        );
    }
    // Batch mode too: it used to exit 0 and lose every line.
    let o = simloop_io(
        &dir,
        &["run", "--json", "-"],
        b"{\"main\":[]}\n",
        Some(dev_full()),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot write to stdout"));
}

#[test]
fn a_full_stderr_does_not_stop_the_work() {
    let dir = workdir("hostile-full-stderr");
    let o = simloop_io(
        &dir,
        &["explore", "--seeds", "50"],
        b"",
        None,
        Some(dev_full()),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("50 seeds, 0 failing"), "{}", stdout(&o));
    let bad = write(&dir, "bad.json", "{\"main\": 5}");
    let o = simloop_io(&dir, &["run", &bad], b"", None, Some(dev_full()));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    let dir = workdir("hostile-pipe");
    let g = ghost();
    // Far more than a pipe holds, so that writes come after the close.
    let mut args = vec!["run", "--json"];
    args.extend(std::iter::repeat_n(g.as_str(), 400));
    let mut child = Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(&args)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut head = [0u8; 10];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut head)
        .expect("10 bytes");
    let o = child.wait_with_output().expect("it ends");
    assert_eq!(&head, b"{\"main\":{\"");
    assert_eq!(stderr(&o), "", "quietly");
    use std::os::unix::process::ExitStatusExt;
    assert!(
        o.status.signal() == Some(13) || o.status.code() == Some(141),
        "{:?}",
        o.status
    );
}
