nested start
include(`inc/header.m4')dnl
nested end __line__
