# expect: reject  class: mutated-literals  target: subprocess
# No import statement names a forbidden module: the import happens inside a builtin
# reached through getattr with names from a list that is rewritten through a container.
NAMES = ["real", "imag"]
holder = {"names": NAMES}
holder["names"][:] = ["__globals__", "__builtins__", "__import__"]


def probe():
    return None


target = probe
for name in NAMES:
    target = target[name] if isinstance(target, dict) else getattr(target, name)

subprocess = target("subprocess")
print("IMPORTED", subprocess.__name__, "->", subprocess.run(["/usr/bin/python3", "-c", "print('child says hi')"], capture_output=True, text=True).stdout.strip())
