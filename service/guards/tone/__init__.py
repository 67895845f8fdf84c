"""The learned tone and intent layer: a linear model over sentence embeddings and character n-grams."""
