"""The mutation suite (`make mutate`): small realistic bugs planted one at a time in a scratch copy.

Each mutant names a SQL function, a SQL statement or a Python function and a search/replace inside it; the
suite applies it to the code as it is today, runs only the tests named to catch it and reports which test
killed it. Not collected by pytest (no test_*.py here) and not part of `make test`.
"""
