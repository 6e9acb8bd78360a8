before
include(`inc/header.m4')hdr
include(`header.m4')from -I
sinclude(`no-such-file')silent
include(`no-such-file')loud
include(`inc/nested.m4')after nested __line__
