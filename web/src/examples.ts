// Strategies to load from the examples menu: honest ones, and abusive ones that show what the
// validator and the sandbox do with them. The code lives in web/examples/*.py (the browser
// tests read the same files).
import ma_crossover from "../examples/ma_crossover.py?raw";
import rsi from "../examples/rsi.py?raw";
import strategy_mode from "../examples/strategy_mode.py?raw";
import dangerous from "../examples/dangerous.py?raw";
import timeout from "../examples/timeout.py?raw";
import memory from "../examples/memory.py?raw";

export interface Example {
  id: string;
  title: string;
  mode: "execute" | "strategy";
  code: string;
}

export const EXAMPLES: Example[] = [
  { id: "ma-crossover", title: "Moving-average crossover", mode: "execute", code: ma_crossover },
  { id: "rsi", title: "RSI reversal (Series)", mode: "execute", code: rsi },
  { id: "strategy-mode", title: "strategy(data) with the sample dataset", mode: "strategy", code: strategy_mode },
  { id: "dangerous", title: "Rejected: shell command", mode: "execute", code: dangerous },
  { id: "timeout", title: "Abusive: endless loop (timeout)", mode: "execute", code: timeout },
  { id: "memory", title: "Abusive: memory bomb (OOM)", mode: "execute", code: memory },
];
