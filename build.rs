//! The demo's sites and profiles are built into the binary (`src/demo.rs`); rebuild when
//! they change.

fn main() {
    println!("cargo:rerun-if-changed=fixtures/demo");
}
