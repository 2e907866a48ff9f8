"""`album-trainer fit`: the overnight fine-tune of the model in use on a library, its held-out gate and publishing."""
