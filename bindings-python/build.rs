//! Lets `cargo test` run this crate's unit tests: outside maturin the crate links
//! libpython, which may live outside the loader's path (pyenv, a venv), so the
//! test binaries get an rpath to it. maturin's extension-module builds link no
//! libpython and are unaffected.

fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
