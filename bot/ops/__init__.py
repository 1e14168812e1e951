"""Operations run from the command line: Rasa's credentials file (`make run`) and retention."""
