module holdfastgo

go 1.19
