m4wrap(`never
')divert(1)dropped
divert(0)before
m4exit(4)
after
