# Passes validation, but never finishes: the runner kills it at the timeout.
total = 0
while True:
    total += 1
