// Loads the validator compiled to WebAssembly (web/pkg, made by scripts/build-web.sh).
import init, * as wasm from "../pkg/stockade_wasm.js";
import type { Finding, RuleDoc, ValidationResult } from "../pkg/stockade_wasm.js";

export type { Finding, RuleDoc, ValidationResult };

export interface Validator {
  validate(source: string): ValidationResult;
  rules: Map<string, RuleDoc>;
  version: string;
}

/** Fetches and instantiates the module once; later calls share it. */
let loading: Promise<Validator> | undefined;

export function loadValidator(): Promise<Validator> {
  loading ??= init().then(() => ({
    validate: (source: string) => wasm.validate(source, undefined),
    rules: new Map(wasm.rules().map((r) => [r.code, r])),
    version: wasm.version(),
  }));
  return loading;
}
