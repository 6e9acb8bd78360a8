divnum
divert(1)in one
divnum
divert(2)in two
divert(-1)discarded
divert(0)back in zero
undivert(2)dnl
after two
divert(3)three
divert
undivert
divert(4)four
divert(5)five
divert(0)dnl
undivert(5, 4)
divert(6)left for the end
divert(7)seven
divert(0)undivert(`inc/raw.txt')dnl
divert(-1)undivert(7)divert(0)seven is gone: undivert(7)|
