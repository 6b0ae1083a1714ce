"""The only code that talks to AWS: repositories, mail, storage. Each translates AWS errors into
``civicdesk.domain.errors``. Also the only code built on a third-party engine the domain must not
import: libphonenumber for phone numbers (``phones``), and shapely for the seed step's geometry
check (``config_files``; the functions' point lookups are pure Python, ``domain.geometry``)."""
