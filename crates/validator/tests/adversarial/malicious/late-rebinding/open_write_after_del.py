# expect: reject  class: late-rebinding  target: write-outside-tmp
# map(open, paths, modes) in a helper; the data binding of `open` is deleted below it.
open = "price:open"


def save(paths, modes):
    for fh in map(open, paths, modes):
        fh.write("planted\n")
        fh.close()


del open
save(["/dev/shm/planted.txt"], ["w"])
signal = 1
