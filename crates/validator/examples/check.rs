//! Prints the findings for the Python files given on the command line.
use stockade_validator::{validate_bytes, LineIndex, Policy};

fn main() {
    let policy = Policy::default();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("readable file");
        let report = validate_bytes(&bytes, &policy);
        let text = String::from_utf8_lossy(&bytes);
        let index = LineIndex::new(&text);
        println!("{path}: {}", if report.is_accepted() { "accepted" } else { "rejected" });
        for f in &report.findings {
            let loc = index.location(&text, f.span.start);
            println!("  {}:{} {} {}", loc.line, loc.column, f.code, f.message);
        }
    }
}
