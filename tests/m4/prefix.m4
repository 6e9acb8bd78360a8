define(`x', `y')x
m4_define(`x', `y')x
m4_ifelse(`a', `a', `prefixed ifelse')
m4___file__ m4___line__ m4_len(`abc')
m4_dnl gone
