"""The only code that talks to AWS: repositories, mail, storage. Each translates AWS errors into
``civicdesk.domain.errors``. Also the only code built on a third-party engine the domain must not
import: shapely for areas (``geo``), libphonenumber for phone numbers (``phones``)."""
