//! Prints what a fuzz input decodes to, for triage:
//! `cargo run --example describe -- <target> <file>...`.

use arbitrary::{Arbitrary, Unstructured};

fn describe<T: for<'a> Arbitrary<'a> + std::fmt::Debug>(data: &[u8]) -> String {
    match T::arbitrary_take_rest(Unstructured::new(data)) {
        Ok(input) => format!("{input:#?}"),
        Err(e) => format!("(does not decode: {e})"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((target, files)) = args.split_first() else {
        eprintln!("usage: describe <target> <file>...");
        std::process::exit(2);
    };
    for file in files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let text = match target.as_str() {
            "policy_json" => describe::<invitekit_fuzz::policy_json::Input>(&data),
            "template" => {
                format!(
                    "{}\n{}",
                    describe::<invitekit_fuzz::template::Input>(&data),
                    invitekit_fuzz::template::describe(&data)
                )
            }
            "stateful" => describe::<invitekit_fuzz::stateful::Input>(&data),
            _ => format!("{:?}", String::from_utf8_lossy(&data)),
        };
        println!("{file}:\n{text}");
    }
}
