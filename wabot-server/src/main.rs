//! The `wabot-server` binary.

fn main() {
    println!("wabot-server: under construction");
}
