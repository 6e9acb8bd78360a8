m4wrap(`first wrap
')m4wrap(`second wrap
')m4wrap(`nested m4wrap(`inner
')')dnl
body
divert(1)diverted
divert(0)end of body
