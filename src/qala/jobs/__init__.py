"""Heavy work off the web server's event loop: a job is a callable with a time and a memory budget.

``budget`` holds the settings, ``worker`` the loop of a worker process, ``pool`` the supervisor that runs
jobs in worker processes and kills one past its budget, ``queue`` the jobs table (bounded per person and
overall, shared by every web worker), ``tasks`` the jobs the web platform runs (imports, reports).
"""
