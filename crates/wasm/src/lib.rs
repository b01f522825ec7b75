//! The Stockade validator for the browser.
