import os

os.system("cat /etc/passwd")
signal = eval("1 + 1")
