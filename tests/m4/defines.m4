A B C len(`x') ifdef(`D', `D defined', `D undefined') E
