"""The reading agent's evaluation harness (`make eval`) and cost model (`make bench`): real o200k_base token counts.

Dev only: never packaged into a function, and the processor never imports the tokenizer.
"""
