# Allocates until the container's memory limit stops it.
chunks = []
while True:
    chunks.append(bytearray(50 * 1024 * 1024))
